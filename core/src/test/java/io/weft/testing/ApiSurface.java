package io.weft.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The public API of a built Weft module, read the way a user on the module path sees it: the module descriptor
 * compiled from {@code module-info.java} (found next to a class of the module: {@code target/classes} or the jar),
 * the exported packages' accessible types, and every type their accessible signatures name.
 *
 * <p>A type is accessible when it is public and top level, or a public or protected member of an accessible type.
 * Its signature is its supertypes (generic arguments included), its type parameters' bounds, its permitted
 * subclasses, and the types in its public and protected constructors, methods (inherited ones included, since a
 * user can call those too) and fields: parameters, results, thrown exceptions, type-parameter bounds, walked
 * through arrays, generic arguments, wildcards and type variables.
 */
public final class ApiSurface {

    private final ModuleReference module;
    private final List<Class<?>> types;

    private ApiSurface(ModuleReference module, List<Class<?>> types) {
        this.module = module;
        this.types = types;
    }

    /** The API of the module that {@code member} (any class of it, loaded from its build output) belongs to. */
    public static ApiSurface ofModuleOf(Class<?> member) {
        Path location;
        try {
            location = Path.of(member.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        Set<ModuleReference> found = ModuleFinder.of(location).findAll();
        if (found.size() != 1) {
            throw new IllegalStateException("expected one module at " + location + ", found " + found);
        }
        ModuleReference module = found.iterator().next();
        Set<String> exported = exportedPackages(module.descriptor());
        List<Class<?>> types = new ArrayList<>();
        try (ModuleReader reader = module.open(); Stream<String> names = reader.list()) {
            for (String name : names.filter(n -> n.endsWith(".class") && !n.equals("module-info.class"))
                    .sorted().collect(Collectors.toList())) {
                String className = name.substring(0, name.length() - ".class".length()).replace('/', '.');
                String pkg = className.substring(0, className.lastIndexOf('.'));
                if (exported.contains(pkg)) {
                    Class<?> type = Class.forName(className, false, member.getClassLoader());
                    if (isAccessible(type)) {
                        types.add(type);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        return new ApiSurface(module, types);
    }

    /** The packages that {@code descriptor} exports to everyone. */
    public static Set<String> exportedPackages(ModuleDescriptor descriptor) {
        return descriptor.exports().stream().filter(e -> !e.isQualified()).map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The descriptor compiled from the module's {@code module-info.java}. */
    public ModuleDescriptor descriptor() {
        return module.descriptor();
    }

    /** Where the module was found. */
    public ModuleReference reference() {
        return module;
    }

    /** The packages of the module that it does not export. */
    public Set<String> concealedPackages() {
        Set<String> concealed = new TreeSet<>(descriptor().packages());
        concealed.removeAll(exportedPackages(descriptor()));
        return concealed;
    }

    /** The accessible types of the exported packages. */
    public List<Class<?>> types() {
        return types;
    }

    /**
     * One line per place where an accessible signature names a type that {@code forbidden} accepts, such as
     * "io.weft.loop.EventLoop#register(...) parameter 3: io.weft.internal.loop.IoHandler"; empty when there is none.
     */
    public List<String> exposures(Predicate<Class<?>> forbidden) {
        Set<String> found = new TreeSet<>();
        for (Class<?> type : types) {
            String name = type.getName();
            check(found, name + " extends", type.getGenericSuperclass(), forbidden);
            for (Type t : type.getGenericInterfaces()) {
                check(found, name + " implements", t, forbidden);
            }
            for (TypeVariable<?> v : type.getTypeParameters()) {
                check(found, name + " type parameter " + v.getName(), v, forbidden);
            }
            Class<?>[] permitted = type.getPermittedSubclasses();
            if (permitted != null) {
                for (Class<?> p : permitted) {
                    check(found, name + " permits", p, forbidden);
                }
            }
            for (Constructor<?> c : type.getDeclaredConstructors()) {
                if (isApi(c)) {
                    checkExecutable(found, name + "#<init>" + params(c), c, forbidden);
                }
            }
            for (Method m : apiMethods(type)) {
                String where = name + "#" + m.getName() + params(m)
                        + (m.getDeclaringClass() == type ? "" : " (from " + m.getDeclaringClass().getName() + ")");
                check(found, where + " returns", m.getGenericReturnType(), forbidden);
                checkExecutable(found, where, m, forbidden);
            }
            for (Field f : apiFields(type)) {
                check(found, name + "." + f.getName(), f.getGenericType(), forbidden);
            }
        }
        return new ArrayList<>(found);
    }

    private static void checkExecutable(Set<String> found, String where, Executable e, Predicate<Class<?>> forbidden) {
        Type[] params = e.getGenericParameterTypes();
        for (int i = 0; i < params.length; i++) {
            check(found, where + " parameter " + (i + 1), params[i], forbidden);
        }
        for (Type t : e.getGenericExceptionTypes()) {
            check(found, where + " throws", t, forbidden);
        }
        for (TypeVariable<?> v : e.getTypeParameters()) {
            check(found, where + " type parameter " + v.getName(), v, forbidden);
        }
    }

    /** Public methods (declared, inherited from any superclass or interface) and protected ones up the chain. */
    private static List<Method> apiMethods(Class<?> type) {
        List<Method> methods = new ArrayList<>();
        for (Method m : type.getMethods()) {
            if (!m.isSynthetic() && !m.isBridge() && m.getDeclaringClass() != Object.class) {
                methods.add(m);
            }
        }
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                if (Modifier.isProtected(m.getModifiers()) && !m.isSynthetic() && !m.isBridge()) {
                    methods.add(m);
                }
            }
        }
        return methods;
    }

    private static List<Field> apiFields(Class<?> type) {
        List<Field> fields = new ArrayList<>(List.of(type.getFields()));
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isProtected(f.getModifiers()) && !f.isSynthetic()) {
                    fields.add(f);
                }
            }
        }
        return fields;
    }

    private static boolean isApi(Member member) {
        int mods = member.getModifiers();
        return (Modifier.isPublic(mods) || Modifier.isProtected(mods)) && !member.isSynthetic();
    }

    private static boolean isAccessible(Class<?> type) {
        if (type.isSynthetic() || type.isAnonymousClass() || type.isLocalClass()) {
            return false;
        }
        int mods = type.getModifiers();
        Class<?> outer = type.getDeclaringClass();
        if (outer == null) {
            return Modifier.isPublic(mods);
        }
        return (Modifier.isPublic(mods) || Modifier.isProtected(mods)) && isAccessible(outer);
    }

    private static String params(Executable e) {
        return Stream.of(e.getParameterTypes()).map(Class::getSimpleName).collect(Collectors.joining(", ", "(", ")"));
    }

    private static void check(Set<String> found, String where, Type type, Predicate<Class<?>> forbidden) {
        Set<Class<?>> named = new HashSet<>();
        collect(type, named, new HashSet<>());
        for (Class<?> c : named) {
            if (forbidden.test(c)) {
                found.add(where + ": " + c.getName());
            }
        }
    }

    /** Every class {@code type} names: itself or its components, generic arguments, bounds and owners. */
    private static void collect(Type type, Set<Class<?>> into, Set<TypeVariable<?>> seen) {
        if (type == null) {
            return;
        }
        if (type instanceof Class<?> c) {
            while (c.isArray()) {
                c = c.getComponentType();
            }
            if (!c.isPrimitive()) {
                into.add(c);
            }
        } else if (type instanceof ParameterizedType p) {
            collect(p.getRawType(), into, seen);
            collect(p.getOwnerType(), into, seen);
            for (Type arg : p.getActualTypeArguments()) {
                collect(arg, into, seen);
            }
        } else if (type instanceof WildcardType w) {
            for (Type b : w.getUpperBounds()) {
                collect(b, into, seen);
            }
            for (Type b : w.getLowerBounds()) {
                collect(b, into, seen);
            }
        } else if (type instanceof GenericArrayType a) {
            collect(a.getGenericComponentType(), into, seen);
        } else if (type instanceof TypeVariable<?> v) {
            if (seen.add(v)) {
                for (Type b : v.getBounds()) {
                    collect(b, into, seen);
                }
            }
        } else {
            throw new IllegalArgumentException("unknown kind of type: " + type);
        }
    }
}
