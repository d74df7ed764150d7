"""Meetings of every kind (三会一课, 主题党日, …): scheduling, attendance and minutes, reminders."""
