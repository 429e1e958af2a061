"""Where the library's files live: STORAGES["default"] for readers, "private" for originals."""

from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.utils.functional import LazyObject, empty


class PrivateStorage(FileSystemStorage):
    """A file system storage that has no URL: what it holds is never served."""

    def url(self, name: str | None) -> str:
        raise ValueError("Files in the private media storage have no URL.")


class PrivateMediaStorage(LazyObject):
    """STORAGES["private"], looked up when first used (as django's default_storage is)."""

    def _setup(self) -> None:
        self._wrapped = storages["private"]


private_media_storage = PrivateMediaStorage()


def private_storage() -> PrivateMediaStorage:
    """The storage of the originals as uploaded (for FileField(storage=...))."""
    return private_media_storage


def _reset(*, setting: str, **kwargs) -> None:
    if setting == "STORAGES":
        private_media_storage._wrapped = empty


setting_changed.connect(_reset)
