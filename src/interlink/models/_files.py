"""Files: documents in a file store."""

from __future__ import annotations

from typing import ClassVar

from interlink.models._base import UnifiedRecord

__all__ = ["File"]


class File(UnifiedRecord):
    """A file in a drive or workspace (Slack file, a drive's document)."""

    model_name: ClassVar[str] = "files.file"
    model_version: ClassVar[str] = "1.0"

    name: str | None = None
    description: str | None = None
    mime_type: str | None = None
    size: int | None = None
    """Size in bytes."""
    file_url: str | None = None
    """Where a person opens or downloads it at the vendor."""
    folder_id: str | None = None
    owner_id: str | None = None
    checksum: str | None = None
    """The vendor's content hash, where it gives one (its algorithm varies)."""
