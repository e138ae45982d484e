# This file is generated from tests/_async/__init__.py by codegen — do not edit.
