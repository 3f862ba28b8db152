"""Export stage: lists as XLSX, CSV and JSON files, and the site's downloads.

``downloads(dataset)`` gives every download file by path (``iter_downloads``
yields them one at a time, for the site build); ``qingdan export``
writes the same files (one writer per format) to a folder.
"""

from .downloads import FORMATS, LISTS, SOURCES, download_paths, downloads, file_record, iter_downloads

__all__ = ["FORMATS", "LISTS", "SOURCES", "download_paths", "downloads", "file_record", "iter_downloads"]
