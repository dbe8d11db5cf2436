// webkit_webrtc.c: does Debian's WebKitGTK 4.1 (the Wails webview of the desktop build) offer
// RTCPeerConnection and getUserMedia? With Wails' settings, then with enable-webrtc on.
//   gcc webkit_webrtc.c -o probe $(pkg-config --cflags --libs webkit2gtk-4.1) && xvfb-run -a ./probe
// README, "Video consultations", says what it found.
#include <webkit2/webkit2.h>
#include <stdio.h>
static const char *html =
  "<html><body><script>"
  "document.title = 'RESULT pc=' + (typeof RTCPeerConnection) + ' gum=' + (typeof (navigator.mediaDevices && navigator.mediaDevices.getUserMedia)) + ' secure=' + window.isSecureContext;"
  "</script></body></html>";
static gboolean quit_cb(gpointer loop) { g_main_loop_quit(loop); return FALSE; }
static void title_cb(WebKitWebView *v, GParamSpec *p, gpointer loop) {
  const char *t = webkit_web_view_get_title(v);
  if (t && g_str_has_prefix(t, "RESULT")) { printf("%s %s\n", (char*)g_object_get_data(G_OBJECT(v), "label"), t); fflush(stdout); }
}
int main(int argc, char **argv) {
  gtk_init(&argc, &argv);
  GMainLoop *loop = g_main_loop_new(NULL, FALSE);
  for (int i = 0; i < 2; i++) {
    WebKitWebView *v = WEBKIT_WEB_VIEW(webkit_web_view_new());
    WebKitSettings *s = webkit_web_view_get_settings(v);
    if (i == 1) { g_object_set(s, "enable-webrtc", TRUE, "enable-media-stream", TRUE, NULL); }
    gboolean ws, ms; g_object_get(s, "enable-webrtc", &ws, "enable-media-stream", &ms, NULL);
    g_object_set_data(G_OBJECT(v), "label", i == 0 ? "wails-defaults" : "webrtc-enabled");
    printf("%s: enable-webrtc=%d enable-media-stream=%d\n", i == 0 ? "wails-defaults" : "webrtc-enabled", ws, ms);
    g_signal_connect(v, "notify::title", G_CALLBACK(title_cb), loop);
    GtkWidget *w = gtk_offscreen_window_new(); gtk_container_add(GTK_CONTAINER(w), GTK_WIDGET(v)); gtk_widget_show_all(w);
    webkit_web_view_load_html(v, html, "http://localhost/");
  }
  g_timeout_add(8000, quit_cb, loop);
  g_main_loop_run(loop);
  return 0;
}
