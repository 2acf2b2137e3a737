"""Packaging that pyproject.toml cannot say: ``templates/`` and ``generated/`` stay at the
repository root and ship inside the wheel as ``symcnn/_templates`` and ``symcnn/_generated``
(see ``symcnn/paths.py``)."""

from setuptools import find_packages, setup

SHIPPED = {"symcnn._templates": "templates", "symcnn._generated": "generated"}

setup(
    packages=find_packages(include=["symcnn", "symcnn.*"]) + list(SHIPPED),
    package_dir=SHIPPED,
    package_data={"symcnn": ["data/*.gz", "data/*.md"], "symcnn._templates": ["*.j2"],
                  "symcnn._generated": ["*.py", "*.json", "*.md", ".gitignore"]},
)
