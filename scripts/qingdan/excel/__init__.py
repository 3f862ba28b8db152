"""Spreadsheets: the table layout of every list, import from XLSX/CSV, rows for export.

    read.py      workbook or CSV -> grids (merged cells filled, formulas found)
    columns.py   header row and column -> field, by the synonyms in headers.yml
    cells.py     cell <-> value, per cell type (citations.py for legal bases)
    build.py     rows -> records (主项/子项 grouping), validated, issues by cell
    importer.py  the import stage;  merge.py  the change to the YAML file
    rows.py      records -> rows (the export side)
    formula.py   the CSV formula-injection guard (written on export, removed on import)
"""
