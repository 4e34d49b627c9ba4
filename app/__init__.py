"""Streamlit-side helpers: caching wrappers and shared sidebar controls (UI only)."""
