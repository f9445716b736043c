"""botocore ships the models of ~450 AWS services (28 MB); the app talks to S3 only. Keep S3,
the credential services a profile may use (STS for roles, SSO/SSO-OIDC, sign-in), and the
shared endpoint, partition, retry and default-configuration files."""

from pathlib import PurePath

from PyInstaller.utils.hooks import collect_data_files

SERVICES = ("s3", "sts", "sso", "sso-oidc", "signin")


def _needed(dest: str) -> bool:
    """``dest`` is the folder in the bundle: botocore, botocore/data, botocore/data/s3/2006-03-01..."""
    parts = PurePath(dest).parts
    return parts[:2] != ("botocore", "data") or len(parts) == 2 or parts[2] in SERVICES


hiddenimports = ["html.parser"]
datas = [(src, dest) for src, dest in collect_data_files("botocore") if _needed(dest)]
