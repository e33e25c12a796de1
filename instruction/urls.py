app_name = "instruction"

# The UD agents' back office comes with the DAP issue.
urlpatterns = []
