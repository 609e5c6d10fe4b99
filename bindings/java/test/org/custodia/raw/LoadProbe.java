package org.custodia.raw;

/** Run in a child JVM by LibraryLoaderTest: loads the library as configured and prints the outcome. */
public final class LoadProbe {
    private LoadProbe() {}

    public static void main(String[] args) {
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                System.out.println("loaded " + LibraryLoader.library().custodia_version());
            } catch (LibraryLoader.IncompatibleLibraryError e) {
                System.out.println("refused: " + e.getMessage());
            }
        }
    }
}
