"""Object storage behind one interface: a local folder (the default) or S3 through boto3.

Keys are made by the product (never from user input). boto3 blocks, so every S3 call runs in a
thread; the client is created once per backend."""
from __future__ import annotations

import asyncio
import io
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import urlsplit

from agency.http_utils import content_disposition
from agency.settings import ROOT, Settings, get_settings

CHUNK = 256 * 1024


class StorageError(Exception):
    pass


class Storage(Protocol):
    async def put_file(self, key: str, fileobj: BinaryIO, content_type: str) -> None: ...
    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None: ...
    def stream(self, key: str) -> AsyncIterator[bytes]: ...
    async def read(self, key: str) -> bytes: ...
    async def delete(self, key: str) -> None: ...
    async def presigned_url(self, key: str, filename: str, content_type: str, expires: int = 300) -> str | None: ...
    async def check(self) -> None: ...


def _safe_key(key: str) -> str:
    parts = key.split("/")
    if not key or any(p in {"", ".", ".."} for p in parts) or "\\" in key:
        raise StorageError("invalid storage key")
    return key


class LocalStorage:
    def __init__(self, root: Path):
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / _safe_key(key)

    async def put_file(self, key: str, fileobj: BinaryIO, content_type: str) -> None:
        def copy() -> None:
            path = self._path(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
            try:
                with os.fdopen(fd, "wb") as out:
                    shutil.copyfileobj(fileobj, out, CHUNK)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise

        await asyncio.to_thread(copy)

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        await self.put_file(key, io.BytesIO(data), content_type)

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        path = self._path(key)
        fh = await asyncio.to_thread(open, path, "rb")
        try:
            while chunk := await asyncio.to_thread(fh.read, CHUNK):
                yield chunk
        finally:
            fh.close()

    async def read(self, key: str) -> bytes:
        return await asyncio.to_thread(self._path(key).read_bytes)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, True)

    async def presigned_url(self, key: str, filename: str, content_type: str, expires: int = 300) -> str | None:
        return None  # served by the app itself, after the tenancy check

    async def check(self) -> None:
        def probe() -> None:
            self.root.mkdir(parents=True, exist_ok=True)
            if not os.access(self.root, os.W_OK):
                raise StorageError(f"storage folder is not writable: {self.root}")

        await asyncio.to_thread(probe)


class S3Storage:
    def __init__(self, bucket: str, prefix: str, endpoint_url: str | None):
        import boto3  # lazy: boto3 only when storage is S3
        from botocore.config import Config  # lazy: boto3 only when storage is S3

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = boto3.client(
            "s3", endpoint_url=endpoint_url, config=Config(retries={"max_attempts": 3, "mode": "standard"})
        )

    def _key(self, key: str) -> str:
        key = _safe_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    async def put_file(self, key: str, fileobj: BinaryIO, content_type: str) -> None:
        # upload_fileobj streams in parts (multipart above 8 MB): the file is never held in memory whole.
        await asyncio.to_thread(
            self.client.upload_fileobj, fileobj, self.bucket, self._key(key), ExtraArgs={"ContentType": content_type}
        )

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(
            self.client.put_object, Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type
        )

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        obj = await asyncio.to_thread(self.client.get_object, Bucket=self.bucket, Key=self._key(key))
        body = obj["Body"]
        try:
            while chunk := await asyncio.to_thread(body.read, CHUNK):
                yield chunk
        finally:
            body.close()

    async def read(self, key: str) -> bytes:
        obj = await asyncio.to_thread(self.client.get_object, Bucket=self.bucket, Key=self._key(key))
        return await asyncio.to_thread(obj["Body"].read)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=self._key(key))

    async def presigned_url(self, key: str, filename: str, content_type: str, expires: int = 300) -> str | None:
        return await asyncio.to_thread(
            self.client.generate_presigned_url,
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": self._key(key),
                "ResponseContentDisposition": content_disposition(filename),
                "ResponseContentType": content_type,
            },
            ExpiresIn=expires,
        )

    async def check(self) -> None:
        await asyncio.to_thread(self.client.head_bucket, Bucket=self.bucket)


def make_storage(settings: Settings) -> Storage:
    parts = urlsplit(settings.storage_url)
    if parts.scheme == "file":
        raw = settings.storage_url.removeprefix("file://")
        path = Path(raw)
        return LocalStorage(path if path.is_absolute() else ROOT / path)
    if parts.scheme == "s3":
        if not parts.netloc:
            raise ValueError("AGENCY_STORAGE_URL: s3://bucket/prefix needs a bucket")
        return S3Storage(parts.netloc, parts.path, settings.s3_endpoint_url)
    raise ValueError(f"AGENCY_STORAGE_URL: unsupported scheme {parts.scheme!r} (use file:// or s3://)")


@lru_cache(maxsize=1)
def storage() -> Storage:
    return make_storage(get_settings())
