// Starts Swagger UI on the docs page (docs_page.py). A file of its own: the
// Content-Security-Policy allows no inline script.
window.addEventListener("load", () => {
  const container = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: container.dataset.openapiUrl,
    domNode: container,
    deepLinking: true,
  });
});
