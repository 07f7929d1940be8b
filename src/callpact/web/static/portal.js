// Every htmx request carries the CSRF token from its cookie (double submit); no inline script.
document.addEventListener("htmx:configRequest", function (event) {
  var name = document.body.dataset.csrfCookie;
  var header = document.body.dataset.csrfHeader;
  var found = document.cookie.split("; ").find(function (c) { return c.startsWith(name + "="); });
  if (found) { event.detail.headers[header] = found.slice(name.length + 1); }
});
