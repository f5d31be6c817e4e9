from imgengine_gui.scan.diff import PhotoJob, ScanResult, plan_jobs, scan_folder
from imgengine_gui.scan.walk import FoundFile, WalkProblem, walk_photos

__all__ = ["FoundFile", "PhotoJob", "ScanResult", "WalkProblem", "plan_jobs", "scan_folder", "walk_photos"]
