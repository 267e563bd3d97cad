// Plain JavaScript on purpose: loaded with `--require` into a web function's Node.js (NODE_OPTIONS).
/*
 * SCF Toolkit: a web function's server listens on port 9000 on SCF. Locally several web functions (and
 * several instances of one) run at once, so each instance has a port of its own in SCF_TOOLKIT_PORT:
 * a listen on 9000 (any host) becomes a listen on 127.0.0.1:<that port>. Nothing else changes: other
 * ports, outbound connections and the server's code are as they are.
 */
'use strict';
(function () {
  var port = Number(process.env.SCF_TOOLKIT_PORT);
  if (!port) return;
  var net = require('net');
  var listen = net.Server.prototype.listen;
  function is9000(v) {
    return v === 9000 || v === '9000';
  }
  net.Server.prototype.listen = function () {
    var args = Array.prototype.slice.call(arguments);
    var first = args[0];
    if (is9000(first)) {
      args[0] = port;
      // listen(9000, host, ...): the host, when given, becomes loopback (a local run is not served to the network).
      if (typeof args[1] === 'string') args[1] = '127.0.0.1';
      else args.splice(1, 0, '127.0.0.1');
    } else if (first && typeof first === 'object' && is9000(first.port)) {
      args[0] = Object.assign({}, first, { port: port, host: '127.0.0.1' });
    }
    return listen.apply(this, args);
  };
})();
