from django.urls import path

from mailhelper.consumers import UserEventsConsumer

websocket_urlpatterns = [path("ws/events/", UserEventsConsumer.as_asgi())]
