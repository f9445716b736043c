"""phonenumbers loads each region's metadata module by name on first use (data/region_XX.py), so
PyInstaller's import scan misses them. The contrib hook collects every submodule, including the
geocoder/carrier/time-zone data (40 MB) the app never uses: this one keeps only what parsing,
validating and formatting need (the spec also excludes those modules)."""

from PyInstaller.utils.hooks import collect_submodules

UNUSED = ("phonenumbers.geodata", "phonenumbers.carrierdata", "phonenumbers.tzdata",
          "phonenumbers.geocoder", "phonenumbers.carrier", "phonenumbers.timezone")

hiddenimports = collect_submodules("phonenumbers", filter=lambda name: not name.startswith(UNUSED))
