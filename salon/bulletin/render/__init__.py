"""The bulletin renderer: content in (pipeline.render), one PDF out. Imports nothing itself,
so that naming a light module here (workers, for the app's start) loads nothing heavy.

- pipeline: the entry (render, stamp); parts or one document;
- segments: the bulletin cut into segments, their HTML and the content fingerprint;
- parts: parts laid out by the render processes (workers, preload, tasks), cached by content;
- pdf: WeasyPrint with a fetcher that loads only our own files (render processes only);
- assemble, fontmerge: the join (page order, one font subset, stamps, bookmarks, links);
- weasyprint_seam, pypdf_seam: every use of those libraries' private parts;
- layout, fonts: what a render needs (picklable jobs), the bundled fonts.
"""
