/* The console's API reference: Swagger UI (static/vendor/swagger-ui, served from this site)
 * draws the API's OpenAPI document, read from this site too. A reference only: no "Try it
 * out" (nothing is sent from the page), no online validator, no configuration from the URL. */
(function () {
  "use strict";

  var node = document.getElementById("api-reference");
  if (!node || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    domNode: node,
    url: node.getAttribute("data-document"),
    validatorUrl: null,
    queryConfigEnabled: false,
    supportedSubmitMethods: [],
    deepLinking: false,
    displayOperationId: true,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    onComplete: function () {
      node.setAttribute("data-rendered", "true");
    }
  });
}());
