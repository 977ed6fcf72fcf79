package io.annals.k8s;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Finds the fields of a parsed object that its fabric8 model does not know: model classes keep them
 * in {@code getAdditionalProperties()} instead of failing, so this walks every getter of every
 * model object reachable from the root and collects the paths of those fields (a misspelt or
 * misplaced key in a manifest, which Kubernetes would drop or refuse).
 */
final class UnknownFields {
  private UnknownFields() {}

  /** Paths such as {@code spec.template.spec.containers[0].readinesProbe}; empty if none. */
  static List<String> in(Object root) {
    List<String> found = new ArrayList<>();
    walk(root, "", found);
    return found;
  }

  private static void walk(Object value, String path, List<String> found) {
    if (value instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) {
        walk(item, path + "[" + i++ + "]", found);
      }
    } else if (value instanceof Map<?, ?> map) {
      map.forEach((key, item) -> walk(item, join(path, String.valueOf(key)), found));
    } else if (value != null && value.getClass().getName().startsWith("io.fabric8.")) {
      for (Method getter : value.getClass().getMethods()) {
        if (isProperty(getter)) {
          visit(value, getter, path, found);
        }
      }
    }
  }

  private static void visit(Object owner, Method getter, String path, List<String> found) {
    Object value = get(owner, getter);
    if (!getter.getName().equals("getAdditionalProperties") || !(value instanceof Map<?, ?>)) {
      walk(value, join(path, property(getter)), found);
    } else if (!(owner instanceof GenericKubernetesResource)) {
      // A custom resource keeps all of its content here; those are checked field by field.
      ((Map<?, ?>) value).keySet().forEach(key -> found.add(join(path, String.valueOf(key))));
    }
  }

  private static boolean isProperty(Method m) {
    return m.getName().startsWith("get")
        && m.getName().length() > 3
        && m.getParameterCount() == 0
        && !Modifier.isStatic(m.getModifiers())
        && m.getDeclaringClass() != Object.class
        // default methods of HasMetadata and the like derive values (plural, full name)
        && !m.isDefault();
  }

  private static Object get(Object owner, Method getter) {
    try {
      return getter.invoke(owner);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException(
          "cannot read " + getter + " of " + owner.getClass().getName() + ": " + e, e);
    }
  }

  private static String property(Method getter) {
    String name = getter.getName().substring(3);
    return Character.toLowerCase(name.charAt(0)) + name.substring(1);
  }

  private static String join(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }
}
