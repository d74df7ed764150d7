from django.urls import path  # noqa: F401

app_name = "activities"

urlpatterns = [
    # Meetings: schedule, edit, record, file, amend, detail (views.py)
    # Month view, 我的会议, attendance histories (calendar_views.py)
    # QR sign-in and attachments (signin_views.py, attachment_views.py)
    # Talks, commitments, pioneer posts (talk_views.py)
]
