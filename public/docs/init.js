// Swagger UI for this API, reading the OpenAPI document this same Worker generates.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  // Tokens and keys typed into the page live only as long as the tab: never in localStorage.
  persistAuthorization: false,
  displayRequestDuration: true,
  tryItOutEnabled: true,
});
