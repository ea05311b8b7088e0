package lab

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
)

//go:embed assets
var assets embed.FS

var page = template.Must(template.ParseFS(assets, "assets/index.html"))

// pageHandler serves the control page; its script reads everything from
// the control API.
func pageHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = page.Execute(w, struct{ Title string }{"mailops lab"})
	})
}

// assetHandler serves the page's script and style sheet.
func assetHandler() http.Handler {
	sub, _ := fs.Sub(assets, "assets") // a constant, valid path
	return http.StripPrefix("/assets/", http.FileServerFS(sub))
}
