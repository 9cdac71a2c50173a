"""Case lists at scale: the list as a CSV or XLSX file, and staff's actions on the cases selected in it."""
