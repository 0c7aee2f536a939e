from django.urls import path

from dealdesk.workspaces import views

app_name = "workspaces"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup_sent"),
    path("signup/<str:token>/", views.signup_finish, name="signup_finish"),
    path("invite/<str:token>/", views.invite_accept, name="invite_accept"),
    path("settings/", views.workspace_settings, name="settings"),
    path("settings/members/", views.members, name="members"),
    path("settings/members/<int:pk>/role/", views.member_role, name="member_role"),
    path("settings/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path(
        "settings/invitations/<int:pk>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("settings/profile/", views.profile, name="profile"),
]
