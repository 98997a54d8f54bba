"""MkDocs hook: publish the chapter notebooks of `examples/` as pages of the site, under `examples/`.

The notebooks live in `examples/` (where people open them in Jupyter and where the tests run them). This hook
adds them to the site's files before mkdocs-jupyter turns `.ipynb` files into pages, so there is one copy of
each, and a page links to one as `examples/01_derivatives_by_hand.ipynb`, as the README does.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent


@event_priority(100)  # before mkdocs-jupyter (priority 0) looks for notebooks
def on_files(files: Files, config: MkDocsConfig) -> Files:
    for notebook in sorted((ROOT / "examples").glob("*.ipynb")):
        files.append(
            File(
                f"examples/{notebook.name}",
                src_dir=str(ROOT),
                dest_dir=config.site_dir,
                use_directory_urls=config.use_directory_urls,
            )
        )
    return files


def on_page_markdown(markdown: str, **kwargs) -> str:
    """Links from a page in `docs/` to `../examples/NAME.ipynb` (right when reading the repository) point, on the
    site, at the notebook's page."""
    return markdown.replace("](../examples/", "](examples/")
