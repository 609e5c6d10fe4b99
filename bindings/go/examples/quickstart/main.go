// The README's ten-line example: seal for a purpose, open for it, be refused for another.
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
	key := make([]byte, 32) // a demo master key: use a passphrase or a KMS in earnest
	c, err := custodia.OpenWithMasterKey(dir+"/keys", key, &custodia.Options{Create: true})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	anna, _ := custodia.NewActor("anna", "prosecutor", "DE", custodia.Secret)
	defer anna.Close()
	kek, _ := c.GenerateKey(anna, custodia.KEK, "case key")
	opts, _ := custodia.NewSealOptions(custodia.Evidence, "investigation")
	defer opts.Close()
	_ = opts.AddRecipient(kek)
	envelope, _ := c.Seal(anna, []byte("witness statement"), opts)
	opened, _ := c.Open(anna, envelope, "investigation")
	fmt.Printf("opened %v\n", opened.Data) // Sensitive(17 bytes, redacted)
	opened.Close()                         // wipes the plaintext
	if _, err := c.Open(anna, envelope, "asset_recovery"); errors.Is(err, custodia.ErrPurposeNotPermitted) {
		fmt.Println("refused:", err)
	}
}
