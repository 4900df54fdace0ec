// ours: starts ReDoc on the service's own /openapi.json (the page's Content-Security-Policy allows no inline script)
Redoc.init("/openapi.json", { hideDownloadButton: false, disableSearch: false }, document.getElementById("redoc"));
