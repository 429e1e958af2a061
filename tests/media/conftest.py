"""Media tests use the temporary storage every test gets (`tests/conftest.py`)."""
