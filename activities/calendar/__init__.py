"""The month view, 我的会议 and the attendance histories."""
