from django.urls import path

from dealdesk.catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.product_list, name="product_list"),
    path("new/", views.product_create, name="product_create"),
    path("<int:pk>/", views.product_edit, name="product_edit"),
    path("<int:pk>/archive/", views.product_archive, name="product_archive"),
    path("<int:pk>/restore/", views.product_restore, name="product_restore"),
]
