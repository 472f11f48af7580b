// The load page's floor (lib/load.mjs): a script of one statement.
window.__emptyLoaded = true;
