# SCF Toolkit: a web function's server listens on port 9000 on SCF. Locally several web functions (and
# several instances of one) run at once, so each instance has a port of its own in SCF_TOOLKIT_PORT: a
# bind to port 9000 (any host) becomes a bind to 127.0.0.1:<that port>. Imported by Python at start
# (this folder is first on PYTHONPATH); runs on Python 2.7 and 3.x, then hands over to any other
# sitecustomize on the path.
import os
import sys


def _scf_toolkit_port9000():
    port = int(os.environ.get("SCF_TOOLKIT_PORT") or 0)
    if not port:
        return
    import socket

    def local(sock, address):
        if isinstance(address, tuple) and len(address) >= 2 and address[1] == 9000:
            host = "::1" if getattr(sock, "family", None) == getattr(socket, "AF_INET6", None) else "127.0.0.1"
            return (host, port) + tuple(address[2:])
        return address

    if sys.version_info[0] >= 3:
        bind = socket.socket.bind
        socket.socket.bind = lambda self, address, *rest: bind(self, local(self, address), *rest)
        return
    # Python 2: each socket object gets its methods in __init__, so the class is wrapped instead.
    base = socket.socket

    class ScfSocket(base):
        def __init__(self, *args, **kwargs):
            base.__init__(self, *args, **kwargs)
            raw = self.bind
            self.bind = lambda address, *rest: raw(local(self, address), *rest)

    socket.socket = ScfSocket


def _next_sitecustomize():
    here = os.path.dirname(os.path.abspath(__file__))
    saved = list(sys.path)
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    mine = sys.modules.pop("sitecustomize", None)
    try:
        __import__("sitecustomize")
    except ImportError:
        pass
    finally:
        sys.path[:] = saved
        if mine is not None:
            sys.modules["sitecustomize"] = mine


_scf_toolkit_port9000()
_next_sitecustomize()
