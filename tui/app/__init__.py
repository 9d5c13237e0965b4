"""The application: applies observations and shows screens; navigation, acting, presenting, terminal output."""

from tui.app.main import CanaryscopeApp

__all__ = ["CanaryscopeApp"]
