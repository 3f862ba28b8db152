"""Spreadsheets: the table layout of every list, import from XLSX/CSV, rows for export.

    read.py      workbook or CSV -> grids (merged cells filled, formulas found)
    columns.py   header row and column -> field, by the synonyms in headers.yml
    cells.py     cell <-> value, per cell type (citations.py for legal bases)
    build.py     rows -> records (主项/子项 grouping, rows routed by 实施主体), derived values, placeholders (to-dos)
    registrar.py laws sources.yml lacks: from the national catalogue, or unverified stubs
    importer.py  the import stage;  merge.py  the change to the YAML file
    batch.py     many workbooks in one run (folders, mapping, new departments);  summary.py  its report
    rows.py      records -> rows (the export side)
    formula.py   the CSV formula-injection guard (written on export, removed on import)
"""
