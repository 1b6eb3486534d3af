"""Packaging of the project as the egg ``scrapyd-deploy`` uploads to Scrapyd nodes: everything is
declared in pyproject.toml; this file is here because scrapyd-deploy runs ``setup.py bdist_egg``
(and writes a setup.py of its own, packaging every folder, where there is none)."""

from setuptools import setup

setup()
