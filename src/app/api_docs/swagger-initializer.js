// Starts Swagger UI on the schema that this server describes itself with. A separate file, not
// an inline script, so that the page's Content-Security-Policy can refuse inline scripts.
'use strict';

window.addEventListener('load', function () {
    window.ui = SwaggerUIBundle({
        // Relative to the page (/api/docs/), so that it also works behind a proxy that keeps
        // the path but changes the host or the scheme.
        url: new URL('../schema/', document.baseURI).href,
        dom_id: '#swagger-ui',
        deepLinking: true,
        // The default would send the schema's URL to validator.swagger.io: nothing leaves.
        validatorUrl: null,
        // Tokens stay in the page's memory: localStorage would keep a bearer token after the
        // tab is closed, readable by any script of this origin.
        persistAuthorization: false,
        presets: [SwaggerUIBundle.presets.apis],
        layout: 'BaseLayout',
    });
});
