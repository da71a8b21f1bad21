# HTTP orchestration (design document, sections 6 and 10). No docstrings on the view classes on
# purpose: DRF shows a view's docstring as the "description" of its OPTIONS answer, and the
# design's views have none.
from rest_framework import viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .serializers import TaskSerializer, UserSerializer


class TaskViewSet(viewsets.ModelViewSet):
    serializer_class = TaskSerializer

    def get_queryset(self):
        return services.tasks_of(self.request.user)

    def perform_create(self, serializer):
        services.save_for(serializer, self.request.user)


class MeView(APIView):
    def get(self, request):
        return Response(UserSerializer(request.user).data)


class HealthCheckView(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"status": "ok"})
