from django.contrib.auth import views as auth_views
from django.urls import path

from candor.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", views.second_factor_verify, name="second_factor_verify"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", views.account, name="account"),
    path("account/second-factor/", views.second_factor, name="second_factor"),
    path("account/second-factor/setup/", views.second_factor_setup, name="second_factor_setup"),
    path(
        "account/second-factor/recovery-codes/",
        views.second_factor_recovery_codes,
        name="second_factor_recovery_codes",
    ),
    path("account/second-factor/remove/", views.second_factor_remove, name="second_factor_remove"),
    path(
        "admin/people/<int:person_id>/second-factor/reset/",
        views.second_factor_reset,
        name="second_factor_reset",
    ),
]
