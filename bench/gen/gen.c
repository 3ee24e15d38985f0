/* custos-gen - generator of realistic ISP logs (stub, being written) */
int
main(void)
{
	return 0;
}
