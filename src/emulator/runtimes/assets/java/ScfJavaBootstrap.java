// SCF Toolkit: the Java runtime bootstrap. It runs inside the user's JVM, so it uses only the JDK.
// It loads `package.Class::method` from the classpath (the code folder's classes and jars), then
// serves requests one at a time over the same framed channel as the other bootstraps:
// fd 3 carries requests, fd 4 replies (sockets, which Java can only reach through FileDescriptor's
// field: the JVM is started with --add-opens java.base/java.io=ALL-UNNAMED); each frame is the body's byte length in
// ASCII digits, "\n", then JSON. After each request END_MARK goes to stdout and stderr.
//
// The event is handed to the method as its first parameter's type: String (the JSON text), InputStream
// (its bytes), Map/List/Object (parsed JSON), a boxed or primitive number/boolean, or a POJO filled from
// the JSON object's fields. The optional second parameter is the context: any interface (such as
// com.qcloud.scf.runtime.Context) answered by a proxy (getRequestId(), getMemoryLimitInMb() ...), or a Map.
// The return value is serialised to JSON (a String becomes a JSON string, as SCF does).
import java.io.*;
import java.lang.reflect.*;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.*;

public final class ScfJavaBootstrap {
  static final String END_MARK = "\u0000SCF_END\u0000\n";
  static OutputStream replies;
  static InputStream requests;

  public static void main(String[] args) throws Exception {
    String codeDir = args[0];
    String handler = args[1];
    requests = new BufferedInputStream(new FileInputStream(descriptor(3)));
    replies = new FileOutputStream(descriptor(4));
    Object[] loaded;
    try {
      loaded = load(codeDir, handler);
    } catch (InitError e) {
      endMarks();
      send("{\"t\":\"initError\",\"code\":" + e.code + ",\"message\":" + Json.quote(e.getMessage()) + ",\"stack\":" + Json.quote(e.stack) + "}");
      return;
    }
    Method method = (Method) loaded[0];
    Object target = loaded[1];
    // The host watches the code folder's jars and classes: a rebuilt jar retires this instance.
    send("{\"t\":\"ready\",\"files\":[],\"scan\":\"\\\\.(jar|class)$\"}");
    // The function's context as the host sent it with the instance's first request (context.ts
    // ContextSender): later requests carry only their request id, and each gets a copy of it with
    // that id (its values are strings and numbers), so what a handler changes in its context stays in
    // its own request's, as when each request's context was parsed whole.
    Map<Object, Object> kept = null;
    for (;;) {
      String body = readFrame();
      if (body == null) return;
      Map<?, ?> msg = (Map<?, ?>) new Json(body).value();
      if (!"invoke".equals(msg.get("t"))) continue;
      Map<?, ?> context = (Map<?, ?>) msg.get("context");
      if (context != null) {
        kept = new LinkedHashMap<Object, Object>(context);
      } else {
        Map<Object, Object> fresh = new LinkedHashMap<Object, Object>(kept);
        fresh.put("request_id", msg.get("id"));
        context = fresh;
      }
      Object result;
      try {
        result = invoke(method, target, msg.get("event"), context);
      } catch (Throwable t) {
        Throwable cause = t instanceof InvocationTargetException && t.getCause() != null ? t.getCause() : t;
        StringWriter sw = new StringWriter();
        cause.printStackTrace(new PrintWriter(sw));
        endMarks();
        send("{\"t\":\"result\",\"ok\":false,\"code\":430,\"message\":" + Json.quote(cause.toString()) + ",\"stack\":" + Json.quote(sw.toString()) + ",\"files\":[]}");
        continue;
      }
      endMarks();
      String raw;
      try {
        raw = Json.write(result);
      } catch (RuntimeException e) {
        send("{\"t\":\"result\",\"ok\":false,\"code\":430,\"message\":" + Json.quote("the return value is not JSON-serialisable: " + e.getMessage()) + ",\"stack\":\"\",\"files\":[]}");
        continue;
      }
      send("{\"t\":\"result\",\"ok\":true,\"files\":[],\"result\":" + raw + "}");
    }
  }

  static FileDescriptor descriptor(int fd) throws ReflectiveOperationException {
    FileDescriptor d = new FileDescriptor();
    Field f = FileDescriptor.class.getDeclaredField("fd");
    f.setAccessible(true);
    f.setInt(d, fd);
    return d;
  }

  static final class InitError extends Exception {
    final int code;
    final String stack;
    InitError(int code, String message, Throwable cause) {
      super(message);
      this.code = code;
      StringWriter sw = new StringWriter();
      if (cause != null) cause.printStackTrace(new PrintWriter(sw));
      this.stack = sw.toString();
    }
  }

  static Object[] load(String codeDir, String handler) throws InitError {
    int sep = handler.indexOf("::");
    if (sep <= 0 || sep == handler.length() - 2) throw new InitError(437, "handler \"" + handler + "\" must be \"package.Class::method\", e.g. \"example.Hello::mainHandler\"", null);
    String className = handler.substring(0, sep);
    String methodName = handler.substring(sep + 2);
    List<URL> urls = new ArrayList<>();
    try {
      // The code folder, then the layers (CLASSPATH, as SCF's ends in /opt), each with its jars.
      List<String> folders = new ArrayList<>();
      folders.add(codeDir);
      String layers = System.getenv("CLASSPATH");
      if (layers != null) for (String l : layers.split(":")) if (!l.isEmpty()) folders.add(l);
      for (String folder : folders) {
        File dir = new File(folder);
        urls.add(dir.toURI().toURL());
        for (String sub : new String[] {"", "lib"}) {
          File[] jars = new File(dir, sub).listFiles((d, n) -> n.endsWith(".jar"));
          if (jars != null) { Arrays.sort(jars); for (File j : jars) urls.add(j.toURI().toURL()); }
        }
      }
    } catch (IOException e) {
      throw new InitError(437, "cannot read the code folder " + codeDir + ": " + e, e);
    }
    ClassLoader loader = new URLClassLoader(urls.toArray(new URL[0]), ScfJavaBootstrap.class.getClassLoader());
    Thread.currentThread().setContextClassLoader(loader);
    Class<?> cls;
    try {
      cls = Class.forName(className, true, loader);
    } catch (ClassNotFoundException e) {
      throw new InitError(437, "class " + className + " not found in the code folder " + codeDir + " (its classes, *.jar and lib/*.jar); build the jar and point src at the folder that holds it", null);
    } catch (Throwable e) {
      throw new InitError(443, "loading class " + className + " failed: " + e, e);
    }
    Method found = null;
    for (Method m : cls.getMethods()) {
      if (m.getName().equals(methodName) && m.getParameterCount() >= 1 && m.getParameterCount() <= 2) { found = m; break; }
    }
    if (found == null) throw new InitError(437, "class " + className + " has no public method " + methodName + "(event[, context]) (handler \"" + handler + "\")", null);
    Object target = null;
    if (!Modifier.isStatic(found.getModifiers())) {
      try {
        target = cls.getDeclaredConstructor().newInstance();
      } catch (Throwable e) {
        Throwable cause = e instanceof InvocationTargetException && e.getCause() != null ? e.getCause() : e;
        throw new InitError(443, "creating " + className + " with its no-argument constructor failed: " + cause, cause);
      }
    }
    return new Object[] {found, target};
  }

  static Object invoke(Method method, Object target, Object event, Map<?, ?> context) throws Exception {
    Class<?>[] types = method.getParameterTypes();
    Type[] generic = method.getGenericParameterTypes();
    Object[] args = new Object[types.length];
    args[0] = convert(event, types[0], generic[0]);
    if (types.length == 2) args[1] = contextFor(types[1], context);
    return method.invoke(target, args);
  }

  static Object contextFor(Class<?> type, Map<?, ?> c) {
    if (type.isAssignableFrom(Map.class)) return c;
    if (!type.isInterface()) return null;
    return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, m, a) -> {
      String name = m.getName();
      Object v = null;
      switch (name) {
        case "getRequestId": v = c.get("request_id"); break;
        case "getTimeLimitInMs": case "getRemainingTimeInMillis": v = c.get("time_limit_in_ms"); break;
        case "getMemoryLimitInMb": v = c.get("memory_limit_in_mb"); break;
        case "getFunctionName": v = c.get("function_name"); break;
        case "getFunctionVersion": v = c.get("function_version"); break;
        case "getNamespace": v = c.get("namespace"); break;
        case "getTencentcloudRegion": case "getRegion": v = c.get("tencentcloud_region"); break;
        case "getTencentcloudAppid": case "getAppId": v = c.get("tencentcloud_appid"); break;
        case "getTencentcloudUin": case "getUin": v = c.get("tencentcloud_uin"); break;
        case "toString": return "Context" + c;
        case "hashCode": return System.identityHashCode(proxy);
        case "equals": return proxy == a[0];
        default: v = null;
      }
      return convert(v, m.getReturnType(), m.getGenericReturnType());
    });
  }

  /** Turns parsed JSON into the Java type a parameter asks for. */
  static Object convert(Object v, Class<?> type, Type generic) throws Exception {
    if (type == String.class) return v instanceof String ? v : v == null ? null : Json.write(v);
    if (type == InputStream.class) return new ByteArrayInputStream(Json.write(v).getBytes(StandardCharsets.UTF_8));
    if (type == Object.class || type.isAssignableFrom(LinkedHashMap.class) && v instanceof Map || type.isAssignableFrom(ArrayList.class) && v instanceof List) return v;
    if (type == int.class || type == Integer.class) return v == null ? (type.isPrimitive() ? 0 : null) : ((Number) v).intValue();
    if (type == long.class || type == Long.class) return v == null ? (type.isPrimitive() ? 0L : null) : ((Number) v).longValue();
    if (type == double.class || type == Double.class) return v == null ? (type.isPrimitive() ? 0.0 : null) : ((Number) v).doubleValue();
    if (type == float.class || type == Float.class) return v == null ? (type.isPrimitive() ? 0f : null) : ((Number) v).floatValue();
    if (type == boolean.class || type == Boolean.class) return v == null ? (type.isPrimitive() ? false : null) : (Boolean) v;
    if (v == null) return null;
    if (List.class.isAssignableFrom(type) && v instanceof List) {
      Type item = generic instanceof ParameterizedType ? ((ParameterizedType) generic).getActualTypeArguments()[0] : Object.class;
      List<Object> out = new ArrayList<>();
      for (Object o : (List<?>) v) out.add(convert(o, rawClass(item), item));
      return out;
    }
    if (Map.class.isAssignableFrom(type) && v instanceof Map) return v;
    if (v instanceof Map) {
      Object pojo = type.getDeclaredConstructor().newInstance();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) setProperty(pojo, String.valueOf(e.getKey()), e.getValue());
      return pojo;
    }
    throw new IllegalArgumentException("cannot turn " + Json.write(v) + " into " + type.getName());
  }

  static Class<?> rawClass(Type t) {
    if (t instanceof Class) return (Class<?>) t;
    if (t instanceof ParameterizedType) return (Class<?>) ((ParameterizedType) t).getRawType();
    return Object.class;
  }

  static void setProperty(Object pojo, String name, Object value) throws Exception {
    String setter = "set" + Character.toUpperCase(name.charAt(0)) + name.substring(1);
    for (Method m : pojo.getClass().getMethods()) {
      if (m.getName().equals(setter) && m.getParameterCount() == 1) {
        m.invoke(pojo, convert(value, m.getParameterTypes()[0], m.getGenericParameterTypes()[0]));
        return;
      }
    }
    for (Class<?> c = pojo.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      try {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        f.set(pojo, convert(value, f.getType(), f.getGenericType()));
        return;
      } catch (NoSuchFieldException ignored) {
        // try the superclass
      }
    }
  }

  static void endMarks() {
    System.out.print(END_MARK);
    System.out.flush();
    System.err.print(END_MARK);
    System.err.flush();
  }

  static void send(String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    replies.write((b.length + "\n").getBytes(StandardCharsets.US_ASCII));
    replies.write(b);
    replies.flush();
  }

  static String readFrame() throws IOException {
    StringBuilder header = new StringBuilder();
    for (;;) {
      int c = requests.read();
      if (c < 0) return null;
      if (c == '\n') break;
      header.append((char) c);
    }
    int n = Integer.parseInt(header.toString().trim());
    byte[] b = requests.readNBytes(n);
    if (b.length < n) return null;
    return new String(b, StandardCharsets.UTF_8);
  }

  /** A small JSON reader and writer: the JDK has none, and the bootstrap may not bring libraries. */
  static final class Json {
    final String s;
    int i;
    Json(String s) { this.s = s; }

    Object value() {
      ws();
      char c = s.charAt(i);
      if (c == '{') {
        i++;
        Map<String, Object> m = new LinkedHashMap<>();
        ws();
        if (s.charAt(i) == '}') { i++; return m; }
        for (;;) {
          ws();
          String k = string();
          ws(); i++; // ':'
          m.put(k, value());
          ws();
          if (s.charAt(i++) == '}') return m;
        }
      }
      if (c == '[') {
        i++;
        List<Object> l = new ArrayList<>();
        ws();
        if (s.charAt(i) == ']') { i++; return l; }
        for (;;) {
          l.add(value());
          ws();
          if (s.charAt(i++) == ']') return l;
        }
      }
      if (c == '"') return string();
      if (s.startsWith("true", i)) { i += 4; return Boolean.TRUE; }
      if (s.startsWith("false", i)) { i += 5; return Boolean.FALSE; }
      if (s.startsWith("null", i)) { i += 4; return null; }
      int start = i;
      while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
      String num = s.substring(start, i);
      if (num.contains(".") || num.contains("e") || num.contains("E")) return Double.parseDouble(num);
      long l = Long.parseLong(num);
      return l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE ? (Object) (int) l : (Object) l;
    }

    void ws() { while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++; }

    String string() {
      StringBuilder b = new StringBuilder();
      i++; // opening quote
      for (;;) {
        char c = s.charAt(i++);
        if (c == '"') return b.toString();
        if (c != '\\') { b.append(c); continue; }
        char e = s.charAt(i++);
        switch (e) {
          case 'n': b.append('\n'); break;
          case 't': b.append('\t'); break;
          case 'r': b.append('\r'); break;
          case 'b': b.append('\b'); break;
          case 'f': b.append('\f'); break;
          case 'u': b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; break;
          default: b.append(e);
        }
      }
    }

    static String quote(String v) {
      StringBuilder b = new StringBuilder("\"");
      for (int k = 0; k < v.length(); k++) {
        char c = v.charAt(k);
        switch (c) {
          case '"': b.append("\\\""); break;
          case '\\': b.append("\\\\"); break;
          case '\n': b.append("\\n"); break;
          case '\r': b.append("\\r"); break;
          case '\t': b.append("\\t"); break;
          default:
            if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
      }
      return b.append('"').toString();
    }

    static String write(Object v) {
      return write(v, Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    static String write(Object v, Set<Object> seen) {
      if (v == null) return "null";
      if (v instanceof String || v instanceof Character || v instanceof Enum) return quote(v.toString());
      if (v instanceof Number || v instanceof Boolean) {
        if (v instanceof Double && (((Double) v).isNaN() || ((Double) v).isInfinite())) throw new IllegalArgumentException(v + " has no JSON form");
        return v.toString();
      }
      if (!seen.add(v)) throw new IllegalArgumentException("a circular reference through " + v.getClass().getName());
      try {
        StringBuilder b = new StringBuilder();
        if (v instanceof Map) {
          b.append('{');
          boolean first = true;
          for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
            if (!first) b.append(',');
            first = false;
            b.append(quote(String.valueOf(e.getKey()))).append(':').append(write(e.getValue(), seen));
          }
          return b.append('}').toString();
        }
        if (v instanceof Iterable || v.getClass().isArray()) {
          List<Object> items = new ArrayList<>();
          if (v instanceof Iterable) for (Object o : (Iterable<?>) v) items.add(o);
          else for (int k = 0; k < Array.getLength(v); k++) items.add(Array.get(v, k));
          b.append('[');
          for (int k = 0; k < items.size(); k++) {
            if (k > 0) b.append(',');
            b.append(write(items.get(k), seen));
          }
          return b.append(']').toString();
        }
        // A POJO: its getters and public fields.
        Map<String, Object> props = new LinkedHashMap<>();
        for (Method m : v.getClass().getMethods()) {
          String n = m.getName();
          if (m.getParameterCount() != 0 || m.getDeclaringClass() == Object.class) continue;
          String prop = n.startsWith("get") && n.length() > 3 ? n.substring(3) : n.startsWith("is") && n.length() > 2 && m.getReturnType() == boolean.class ? n.substring(2) : null;
          if (prop == null) continue;
          try {
            props.put(Character.toLowerCase(prop.charAt(0)) + prop.substring(1), m.invoke(v));
          } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException(e.toString());
          }
        }
        for (Field f : v.getClass().getFields()) {
          if (Modifier.isStatic(f.getModifiers()) || props.containsKey(f.getName())) continue;
          try {
            props.put(f.getName(), f.get(v));
          } catch (IllegalAccessException e) {
            throw new IllegalArgumentException(e.toString());
          }
        }
        return write(props, seen);
      } finally {
        seen.remove(v);
      }
    }
  }
}
