"""Publish stage: review gates, the release manifest, verification and atomic installation.

    codeowners  department registry -> CODEOWNERS (who approves what)
    prcheck     base..head -> annotations on changed files + a Markdown change summary
    manifest    built site + repository -> manifest.json (hashes, chain, optional signature)
    verify      site folder or mirror URL + repository -> what matches and what does not
    install     built site -> releases/<id>, switched in by one atomic symlink rename

No module here imports MkDocs: the site is built before, by ``mkdocs build``.
"""
