from django.urls import path

from activities.attachments import views as attachment_views
from activities.calendar import views as calendar_views
from activities.dues import views as dues_views
from activities.leave import views as leave_views
from activities.meetings import views
from activities.signin import views as signin_views
from activities.talks import views as talk_views

app_name = "activities"

urlpatterns = [
    # Meetings: schedule, edit, record, file, amend, detail (meetings/)
    path("orgs/<int:pk>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/attendance/", views.meeting_record, name="meeting_record"),
    path("meetings/<int:pk>/file/", views.meeting_file, name="meeting_file"),
    path("meetings/<int:pk>/amend/", views.meeting_amend, name="meeting_amend"),
    path("meetings/<int:pk>/delete/", views.meeting_delete, name="meeting_delete"),
    # 请假申请 by a member before the meeting (leave/)
    path("meetings/<int:pk>/leave/", leave_views.meeting_leave, name="meeting_leave"),
    path("meetings/<int:pk>/leave/withdraw/", leave_views.meeting_leave_withdraw, name="meeting_leave_withdraw"),
    # Month view, 我的会议, attendance histories (calendar/)
    path("orgs/<int:pk>/meetings/", calendar_views.month, name="month"),
    path("me/meetings/", calendar_views.my_meetings, name="my_meetings"),
    path("members/<int:pk>/attendance/", calendar_views.member_attendance, name="member_attendance"),
    path("orgs/<int:pk>/attendance/", calendar_views.attendance_year, name="attendance_year"),
    # QR sign-in and attachments (signin/, attachments/)
    path("meetings/<int:pk>/qr/", signin_views.meeting_qr, name="meeting_qr"),
    path("meetings/<int:pk>/qr.svg", signin_views.meeting_qr_svg, name="meeting_qr_svg"),
    path("sign-in/<str:token>/", signin_views.sign_in, name="sign_in"),
    path("meetings/<int:pk>/attachments/new/", attachment_views.attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/", attachment_views.attachment_file, name="attachment_file"),
    path("attachments/<int:pk>/thumbnail/", attachment_views.attachment_thumbnail, name="attachment_thumbnail"),
    path("attachments/<int:pk>/delete/", attachment_views.attachment_delete, name="attachment_delete"),
    # Talks, commitments, pioneer posts (talks/)
    path("orgs/<int:pk>/talks/", talk_views.talk_list, name="talk_list"),
    path("orgs/<int:pk>/talks/new/", talk_views.talk_create, name="talk_create"),
    path("talks/<int:pk>/", talk_views.talk_detail, name="talk_detail"),
    path("me/commitment/", talk_views.commitment_mine, name="commitment_mine"),
    path("orgs/<int:pk>/commitments/", talk_views.commitment_list, name="commitment_list"),
    path("commitments/<int:pk>/", talk_views.commitment_detail, name="commitment_detail"),
    path("members/<int:pk>/posts/new/", talk_views.pioneer_post_create, name="pioneer_post_create"),
    path("posts/<int:pk>/end/", talk_views.pioneer_post_end, name="pioneer_post_end"),
    # 党费 (dues/)
    path("orgs/<int:pk>/dues/", dues_views.dues_collection, name="dues_collection"),
    path("orgs/<int:pk>/dues/close/", dues_views.dues_close, name="dues_close"),
    path("orgs/<int:pk>/dues/import/", dues_views.dues_import, name="dues_import"),
    path("dues/payments/<int:pk>/amend/", dues_views.dues_amend, name="dues_amend"),
    path("members/<int:pk>/dues-base/", dues_views.dues_base_edit, name="dues_base_edit"),
    path("me/dues/", dues_views.dues_mine, name="dues_mine"),
    path("orgs/<int:pk>/dues/overview/", dues_views.dues_overview, name="dues_overview"),
    path("orgs/<int:pk>/dues/reductions/", dues_views.dues_reductions, name="dues_reductions"),
    path("dues/payments/<int:pk>/reduction/", dues_views.dues_reduction_decide, name="dues_reduction_decide"),
    path("orgs/<int:pk>/dues/overview/export.xlsx", dues_views.dues_overview_export, name="dues_overview_export"),
]
