"""Routes of the design: SimpleJWT's two token views, /api/me/, /api/health/ and the
DefaultRouter's task routes under /api/ (plus startproject's admin)."""
from django.contrib import admin
from django.urls import include, path
from rest_framework.routers import DefaultRouter
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from tasks.views import HealthCheckView, MeView, TaskViewSet

router = DefaultRouter()
router.register("tasks", TaskViewSet, basename="task")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/auth/token/", TokenObtainPairView.as_view(), name="token_obtain_pair"),
    path("api/auth/token/refresh/", TokenRefreshView.as_view(), name="token_refresh"),
    path("api/me/", MeView.as_view(), name="me"),
    path("api/health/", HealthCheckView.as_view(), name="health"),
    path("api/", include(router.urls)),
]
