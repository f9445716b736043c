"""usaddress opens its CRF model, usaddr.crfsuite, beside its own __init__.py at import time."""

from PyInstaller.utils.hooks import collect_data_files

datas = collect_data_files("usaddress")
