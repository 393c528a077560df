"""Object storage behind s3:// URIs: S3 on AWS, a local folder standing in for the bucket.

LocalObjectStore maps s3://bucket/key to <root>/bucket/key, so the pipeline definitions' S3
URIs work unchanged on one machine.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

from stockpred.errors import ConfigError
from stockpred.files import write_bytes_atomic


def split_s3_uri(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ConfigError(f"{uri!r} is not an s3://bucket/key URI")
    key = parsed.path.lstrip("/")
    if ".." in key.split("/"):
        raise ConfigError(f"{uri!r}: '..' is not allowed in an object key")
    return parsed.netloc, key


class ObjectStore(Protocol):
    def put_bytes(self, uri: str, data: bytes) -> None: ...
    def get_bytes(self, uri: str) -> bytes: ...
    def exists(self, uri: str) -> bool: ...


class LocalObjectStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, uri: str) -> Path:
        bucket, key = split_s3_uri(uri)
        return self.root / bucket / key

    def put_bytes(self, uri: str, data: bytes) -> None:
        write_bytes_atomic(self.path(uri), data)

    def get_bytes(self, uri: str) -> bytes:
        path = self.path(uri)
        if not path.is_file():
            raise FileNotFoundError(f"{uri} does not exist (local object store {self.root})")
        return path.read_bytes()

    def exists(self, uri: str) -> bool:
        return self.path(uri).is_file()

    def download_prefix(self, uri: str, destination: Path) -> None:
        """Copy every object under a prefix (or the single object) into a folder."""
        source = self.path(uri)
        destination.mkdir(parents=True, exist_ok=True)
        if source.is_file():
            shutil.copy2(source, destination / source.name)
        elif source.is_dir():
            shutil.copytree(source, destination, dirs_exist_ok=True)
        else:
            raise FileNotFoundError(f"{uri} does not exist (local object store {self.root})")

    def upload_folder(self, folder: Path, uri: str) -> None:
        target = self.path(uri)
        target.mkdir(parents=True, exist_ok=True)
        shutil.copytree(folder, target, dirs_exist_ok=True)


class S3ObjectStore:
    def __init__(self, client: Any) -> None:
        self.client = client

    def put_bytes(self, uri: str, data: bytes) -> None:
        bucket, key = split_s3_uri(uri)
        self.client.put_object(Bucket=bucket, Key=key, Body=data)

    def get_bytes(self, uri: str) -> bytes:
        bucket, key = split_s3_uri(uri)
        return self.client.get_object(Bucket=bucket, Key=key)["Body"].read()

    def exists(self, uri: str) -> bool:
        bucket, key = split_s3_uri(uri)
        response = self.client.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1)
        return any(item["Key"] == key for item in response.get("Contents", []))
