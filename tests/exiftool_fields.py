"""Which `photos --json` field holds which exiftool tag (exiftool -json -n), for the corpus tests."""

EXIFTOOL_TAGS = {
    "width": "ImageWidth",
    "height": "ImageHeight",
    "camera_make": "Make",
    "camera_model": "Model",
    "lens": "LensModel",
    "iso": "ISO",
    "f_number": "FNumber",
    "exposure_time": "ExposureTime",
    "focal_length": "FocalLength",
    "gps_lat": "GPSLatitude",
    "gps_lon": "GPSLongitude",
    "gps_alt": "GPSAltitude",
}
