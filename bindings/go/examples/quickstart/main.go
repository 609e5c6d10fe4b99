// The README's ten-line example (bindings/go/README.md): seal for a purpose, open for it, be refused another.
package main

import (
	"errors"
	"fmt"
	"os"

	custodia "github.com/custodia/custodia/bindings/go"
)

func main() {
	dir, _ := os.MkdirTemp("", "custodia-quickstart-")
	defer os.RemoveAll(dir)
	// --- the README's ten lines (errors other than the refusal left out for brevity) ---
	c, _ := custodia.OpenWithMasterKey(dir+"/keys", make([]byte, 32), &custodia.Options{Create: true}) // demo key
	defer c.Close()
	anna, _ := custodia.NewActor("anna", "prosecutor", "DE", custodia.Secret)
	kek, _ := c.GenerateKey(anna, custodia.KEK, "case key")
	terms, _ := custodia.NewSealOptions(custodia.Evidence, "investigation")
	_ = terms.AddRecipient(kek)
	envelope, _ := c.Seal(anna, []byte("witness statement"), terms)
	opened, _ := c.Open(anna, envelope, "investigation.financial")
	fmt.Println(opened.Data, opened.Info.Purposes) // Sensitive(17 bytes, redacted) [investigation]
	opened.Close()                                 // wipes the plaintext in the library's memory
	_, err := c.Open(anna, envelope, "extradition")
	fmt.Println(errors.Is(err, custodia.ErrPurposeNotPermitted), err)
}
