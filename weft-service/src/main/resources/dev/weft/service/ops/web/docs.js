// Swagger UI over /openapi.json. The description's `servers` names the default address; calls from this page go to
// the service that served it, whatever its port. The admin key the dashboard keeps for this tab, if any, is offered
// to Authorize so it is typed once.
(function () {
  'use strict';
  function start(spec) {
    spec.servers = [{ url: window.location.origin, description: 'this service' }];
    var ui = window.SwaggerUIBundle({
      spec: spec,
      dom_id: '#swagger-ui',
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: 'BaseLayout',
      deepLinking: true,
      docExpansion: 'list',
      defaultModelsExpandDepth: 0,
      displayRequestDuration: true,
      persistAuthorization: false,
      validatorUrl: null
    });
    var key = null;
    try {
      key = window.sessionStorage.getItem('weft.adminKey');
    } catch (e) {
      key = null;
    }
    if (key) {
      ui.preauthorizeApiKey('apiKey', key);
    }
    window.weftDocs = ui;
  }
  fetch('/openapi.json', { cache: 'no-cache' })
    .then(function (response) {
      if (!response.ok) {
        throw new Error('the service answered ' + response.status + ' for /openapi.json');
      }
      return response.json();
    })
    .then(start)
    .catch(function (error) {
      var box = document.getElementById('swagger-ui');
      box.textContent = 'The API description could not be loaded: ' + error.message + '. Reload to try again.';
      box.setAttribute('role', 'alert');
    });
})();
