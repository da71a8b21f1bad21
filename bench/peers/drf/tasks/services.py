"""Reusable business logic (design document, section 9): the views call these."""
from .models import Task


def multiply_by_seven(value: int) -> int:
    return value * 7


def tasks_of(user):
    """Ownership at the query level: only the user's own tasks are ever visible."""
    return Task.objects.filter(owner=user)


def save_for(serializer, user):
    """The owner is the authenticated user, never a field of the request body."""
    return serializer.save(owner=user)
