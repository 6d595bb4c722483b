package dev.weft.cache;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Objects;

/**
 * A value type with its generic arguments, captured by subclassing: {@code new TypeRef<List<User>>() {}}.
 *
 * @param <T> the type
 */
public abstract class TypeRef<T> {
    private final Type type;
    private final Class<?> rawType;

    /** Captures the type argument of the anonymous subclass. */
    protected TypeRef() {
        Type superclass = getClass().getGenericSuperclass();
        if (!(superclass instanceof ParameterizedType parameterized)) {
            throw new IllegalStateException("TypeRef must be created with a type argument: new TypeRef<X>() {}");
        }
        this.type = parameterized.getActualTypeArguments()[0];
        this.rawType = raw(type);
    }

    private TypeRef(Type type, Class<?> rawType) {
        this.type = type;
        this.rawType = rawType;
    }

    /**
     * @param type a plain class
     * @param <T> the type
     * @return its TypeRef
     */
    public static <T> TypeRef<T> of(Class<T> type) {
        return new TypeRef<>(Objects.requireNonNull(type, "type"), type) {
        };
    }

    /**
     * @param element the element class
     * @param <T> the element type
     * @return the TypeRef of {@code List<element>}
     */
    public static <T> TypeRef<java.util.List<T>> listOf(Class<T> element) {
        Objects.requireNonNull(element, "element");
        return new TypeRef<>(new ListType(element), java.util.List.class) {
        };
    }

    /** {@code List<element>} as a reflective type, for value types only known at run time. */
    private record ListType(Class<?> element) implements ParameterizedType {
        @Override
        public Type[] getActualTypeArguments() {
            return new Type[] {element};
        }

        @Override
        public Type getRawType() {
            return java.util.List.class;
        }

        @Override
        public @org.jspecify.annotations.Nullable Type getOwnerType() {
            return null;
        }

        @Override
        public String getTypeName() {
            return "java.util.List<" + element.getTypeName() + ">";
        }
    }

    /** @return the full generic type */
    public Type type() {
        return type;
    }

    /** @return the erased class */
    public Class<?> rawType() {
        return rawType;
    }

    private static Class<?> raw(Type type) {
        if (type instanceof Class<?> plain) {
            return plain;
        }
        if (type instanceof ParameterizedType parameterized) {
            return (Class<?>) parameterized.getRawType();
        }
        return Object.class;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TypeRef<?> ref && ref.type.equals(type);
    }

    @Override
    public int hashCode() {
        return type.hashCode();
    }

    @Override
    public String toString() {
        return type.getTypeName();
    }
}
