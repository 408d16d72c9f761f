"""Turn news live-update reports into geocoded, dated, typed incidents.

Library first: :func:`incidents.extract.extract` does the work, the command
line (``python -m incidents``) and the dashboard are thin layers on it.
"""
__version__ = "0.1.0"
