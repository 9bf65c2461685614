from django.urls import path

from accounts.views import account, invitations, siteadmin

app_name = "accounts"

urlpatterns = [
    path("accounts/invitations/<str:token>/", invitations.invitation, name="invitation"),
    path("accounts/settings/", account.settings_page, name="settings"),
    path("accounts/sign-out-everywhere/", account.sign_out_everywhere, name="sign_out_everywhere"),
    path("accounts/delete/", account.delete_account, name="delete"),
    path("reviews/<slug:review>/team/invitations/", invitations.invite, name="invite"),
    path(
        "reviews/<slug:review>/team/invitations/<int:invitation_id>/resend/",
        invitations.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "reviews/<slug:review>/team/invitations/<int:invitation_id>/revoke/",
        invitations.invitation_revoke,
        name="invitation_revoke",
    ),
    path("site-admin/people/", siteadmin.people_list, name="people"),
    path("site-admin/people/<int:user_id>/active/", siteadmin.person_active, name="person_active"),
    path("site-admin/invitations/", siteadmin.site_invite, name="site_invite"),
    path("site-admin/mail/", siteadmin.mail_list, name="mail"),
    path("site-admin/mail/<int:email_id>/", siteadmin.mail_detail, name="mail_detail"),
    path("site-admin/mail/<int:email_id>/resend/", siteadmin.mail_resend, name="mail_resend"),
]
